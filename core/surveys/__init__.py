"""CSAT and NPS surveys after a ticket is solved, read from the buyer's reply in 13 languages."""

from crossdesk.surveys.answers import Answer, parse
from crossdesk.surveys.service import CHANNELS, Figure, SurveyService

__all__ = ["CHANNELS", "Answer", "Figure", "SurveyService", "parse"]
