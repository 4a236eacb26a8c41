"""Local paths and object-storage URLs (`s3://`, `gs://`, `https://`, any fsspec URL) in one place.

Dumps, published datasets and a mirror of the stage cache may live on object storage. Every
fsspec call of the project goes through this package, so the rest of the code asks one question,
`is_url`, and keeps its local-path behaviour (atomic renames, fsyncs) untouched for local paths:

    location.py     is_url, join, the fsspec filesystem of a URL with its storage options
    inputs.py       reading a dump from a URL: a seekable binary file, its identity (ETag, size)
    publish.py      publishing a dataset version to a URL: objects, then a manifest, then LATEST
    files.py        small whole-file reads and writes on a path or a URL (refresh history)
    cache_mirror.py one stage output directory copied to and from its `cache_url:` mirror

fsspec and s3fs are imported inside the functions that use them: `kg2i --help` never pays for them.
"""
