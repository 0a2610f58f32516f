"""``torchlint server``: the Language Server Protocol over stdio (needs the ``lsp`` extra: pygls).

Only :mod:`torchlint.server.command` may be imported without pygls installed; it says what to install.
The server reuses the engine (``lint_module``, the fix loop, ``--add-noqa``'s comment merging, the rules'
documentation) and adds only what an editor needs: documents and their versions, positions in the client's
encoding, code actions, hover and settings.
"""
