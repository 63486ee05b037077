"""The project's own errors: raised deep, turned into exit codes or HTTP 4xx at the edge."""


class ProfileQAError(Exception):
    """Base class for every error this project raises on purpose."""


class ConfigError(ProfileQAError):
    """A setting has a value the program cannot use."""


class EmptyCorpusError(ProfileQAError):
    """No article could be loaded from the articles folder."""


class IndexNotBuiltError(ProfileQAError):
    """There is no index at the configured path."""


class IndexMismatchError(ProfileQAError):
    """The index was built with another model or other chunker settings."""


class IndexCorruptError(ProfileQAError):
    """The index directory exists but a file in it cannot be read."""


class ModelLoadError(ProfileQAError):
    """The embedding model cannot be found, verified or loaded."""


class InvalidQuestionError(ProfileQAError):
    """The question is empty, too long or otherwise unusable."""


class GoldFileError(ProfileQAError):
    """A gold question file is malformed (the message names the line and field)."""


class StoreUnavailableError(ProfileQAError):
    """The database of ``store = "pgvector"`` cannot be reached (or refused the connection)."""


class StoreSchemaError(ProfileQAError):
    """The database holds a schema this version cannot use (newer, or not yet migrated)."""
