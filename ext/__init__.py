"""Compiled kernels of crossdesk. Import them through :mod:`crossdesk.native`, never directly."""
