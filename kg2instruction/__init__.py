"""KG2Instruction: Wikipedia + Wikidata -> theme-centric IE instruction data, tuning and evaluation."""

__version__ = "0.1.0"
