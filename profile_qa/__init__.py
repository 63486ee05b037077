"""profile-qa: question answering with cited passages over MIIT's COVID-19 honour profiles."""

__version__ = "0.1.0"
