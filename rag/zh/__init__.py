"""The Chinese language: normalisation, folding, sentences, numbers, words; its tables in data/*.toml."""
