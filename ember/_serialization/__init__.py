"""The parts of ``ember.serialization`` (torch's checkpoint format).

``_zip``: the aligned zip container; ``_pickler``: writing ``data.pkl`` under
torch's names; ``_rebuild``: what those names mean when loading, the allowlist
and the user's safe globals; ``_weights_only_unpickler``: the pickle interpreter
that runs no code; ``_legacy``: torch's pre-1.6 format (read only); ``_location``: map_location,
decided per storage as torch decides it on a CPU-only machine;
``_atomic``: write-then-rename, shared with ``ember.utils.safetensors``.
"""
