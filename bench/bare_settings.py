"""The production settings with one more URL: the bare Django view of bench/api_load.py (bench only)."""

from cdm.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
