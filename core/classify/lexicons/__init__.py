"""Keyword lexicons per language (JSON data files), read by :func:`crossdesk.classify.load_lexicons`.

A package only so that installs ship the files with it.
"""
