"""The web edge: chat page, HTTP API, widget, and what protects them; serving starts here."""

from profile_qa.web.launch import create_app, serve
from profile_qa.web.service import ChatService, describe_answerer, load_service

__all__ = ["ChatService", "create_app", "describe_answerer", "load_service", "serve"]
