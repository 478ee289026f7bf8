"""The Slack bot: answers mentions, DMs and /ask in Slack, over HTTP events or Socket Mode."""
