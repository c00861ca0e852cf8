"""Search-space inference shared by samplers."""

from parzen.search_space._intersection import IntersectionSearchSpace, intersection_search_space

__all__ = ["IntersectionSearchSpace", "intersection_search_space"]
