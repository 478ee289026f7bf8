"""Tests of the web page: its routes, and the page itself in a headless Chromium."""
