"""Tests of the Slack bot."""
