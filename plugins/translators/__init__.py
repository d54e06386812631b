"""Built-in translators: DeepL, LibreTranslate, Google Cloud Translation v2, and the offline phrasebook."""
