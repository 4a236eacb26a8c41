"""Dataset assembly: label-centric sampling, page-level splits, export."""
