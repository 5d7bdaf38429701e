"""konigle_bg: consistent, seasonal product photos for Django stores."""

__version__ = "0.2.0"
