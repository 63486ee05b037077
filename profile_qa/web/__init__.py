"""The web edge: chat page, HTTP API, widget, and what protects them (see app.py)."""

from profile_qa.web.service import ChatService, describe_answerer, load_service

__all__ = ["ChatService", "describe_answerer", "load_service"]
