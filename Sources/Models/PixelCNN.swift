// Placeholder: see issue 12.
