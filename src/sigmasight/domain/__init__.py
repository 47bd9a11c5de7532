"""Domain vocabulary: enums, value objects and the conventions every layer shares."""
