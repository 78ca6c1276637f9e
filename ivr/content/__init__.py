"""The operators' files: prompts/*.yaml and data/*.yaml read with file:line:column, validated and checked.

Positioned YAML, the schemas, the checks `ivr check` runs, the menu graph and versions (the bundle of prompts and data
one call runs on). It may import ivr.core.
"""
