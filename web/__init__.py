"""The review desk: a web application where staff work the exception queue (see web/app.py)."""
