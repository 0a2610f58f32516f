"""The language server's region-by-region parse gives the tree a whole parse gives, and re-parses only the
regions an edit changed."""

from __future__ import annotations

import libcst as cst
import pytest

from torchlint.source.chunked_parsing import RegionTrees, parse_in_regions
from torchlint.source.parsing import parse

TEXTS = [
    "# top\n\nimport a\n# c1\n\nclass A:\n    x = 1\n    # in\n\n# out\n\ndef f():\n    pass\n# end\n",
    "# top\nclass A:\n    pass\n",
    "# top\n\n\n# more\n@d\nclass A:\n    pass\n\n\n\n",
    "class A:\n\tx = 1\nclass B:\n    y = 2\n",  # a region indented differently from the file's first block
    "x = 1\r\nclass A:\r\n    pass\r\n",
    "x = 1\nclass A:\r\n    pass\r\n",  # a region whose first line ending is not the file's
    "def f(): pass\nclass A: pass",
    "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n\"\"\"doc\"\"\"\nclass A:\n  pass\ndef g():\n      return 1\n",
    "if x:\n  pass\nclass A:\n    pass\n",
    "class A:\n    pass\n    # indented\n# top level\n\n\n@dec(1,\n  2)\ndef f():\n    return 1  # c\n# end",
    "async def f():\n    await x\n\n\nclass A(B, metaclass=M):\n    '''d'''\n",
    "class A:\n    pass\nclass A:\n    pass\n",
    "x = (1,\n2)\nclass A:\n    s = '''\nclass B:\n'''\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_tree_as_a_whole_parse(text: str) -> None:
    module = parse_in_regions(text, RegionTrees())
    assert module.code == text
    assert module.deep_equals(parse(text))


def test_an_edit_reparses_only_its_region() -> None:
    classes = "".join(f"class C{n}:\n    def __init__(self):\n        self.x = {n}\n\n\n" for n in range(30))
    text = "import torch\n\n\n" + classes
    trees = RegionTrees()
    first = parse_in_regions(text, trees)
    assert trees.parsed == 31
    edited = text.replace("self.x = 7\n", "self.x = 77\n")
    second = parse_in_regions(edited, trees)
    assert trees.parsed == 32  # the edited class alone
    assert second.code == edited and second.deep_equals(parse(edited))
    # the classes the edit left alone keep their parsed bodies (their statements gain the lines before them)
    assert second.body[1].body is first.body[1].body and second.body[8].body is not first.body[8].body


def test_equal_regions_of_one_text_do_not_share_nodes() -> None:
    text = "class A:\n    pass\n\n\nclass A:\n    pass\n"
    module = parse_in_regions(text, RegionTrees())
    assert module.body[0].body is not module.body[1].body
    assert module.body[0].body.deep_equals(module.body[1].body)


def test_unparsable_text_raises_as_a_whole_parse_does() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        parse_in_regions("class A:\n    def f(:\n", RegionTrees())


def test_function_indexes_carry_over_to_the_next_version() -> None:
    from torchlint.analysis.function_index import function_index
    from torchlint.outline.file_model import build_file_model

    text = "class A:\n    def f(self):\n        return self.x\n\n\nclass B:\n    def g(self):\n        return 1\n"
    trees = RegionTrees()
    first = parse_in_regions(text, trees)
    second = parse_in_regions(text.replace("return 1", "return 2"), trees)
    old_f, old_g = (statement.body.body[0] for statement in first.body)  # type: ignore[attr-defined]
    new_f, new_g = (statement.body.body[0] for statement in second.body)  # type: ignore[attr-defined]
    before, after = build_file_model(first, None), build_file_model(second, None)
    assert new_f is old_f and new_g is not old_g
    assert function_index(after, new_f) is function_index(before, old_f)
    index = function_index(after, new_g)
    assert index is not function_index(before, old_g) and index.function is new_g
