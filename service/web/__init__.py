"""The web page at `/`: ask, read the answer in its sentence, follow the sources."""
