"""Guide definitions: the guide-file model, validation, YAML import/export, compile, versions."""
