"""Configuration: ``[tool.torchlint]`` files, the settings they resolve to, rule selection, and which files a
run looks at."""
