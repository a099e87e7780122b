"""The parts of ``ember.serialization`` (torch's checkpoint format).

``_zip``: the aligned zip container; ``_pickler``: writing ``data.pkl`` under
torch's names; ``_rebuild``: what those names mean when loading, and the
allowlist; ``_weights_only_unpickler``: the pickle interpreter that runs no code.
"""
