"""Building and updating an index: run (`build_index`, `add_to_index`, `delete_from_index`),
plan (what a call decides, `UpdateSummary`), write (the next generation), embed (chunks and
vectors for it), status (`index_status`, `input_fingerprint`). Import from the modules."""
