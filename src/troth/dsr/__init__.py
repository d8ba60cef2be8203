"""Data subject requests: the engine that finds, exports, erases, corrects and restricts a person's data."""
