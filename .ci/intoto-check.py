"""Validate an in-toto Statement with the in-toto Attestation Framework's own Python
library (in-toto-attestation on PyPI): the Statement v1 and every ResourceDescriptor in
it (subjects and the test-result predicate's configuration), and the predicate's fields.

    python .ci/intoto-check.py STATEMENT.json
"""

import json
import sys

from google.protobuf import json_format
from in_toto_attestation.v1 import resource_descriptor_pb2, statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

PREDICATE_TYPE = "https://in-toto.io/attestation/test-result/v0.1"

text = open(sys.argv[1], encoding="utf-8").read()
Statement.copy_from_pb(json_format.Parse(text, statement_pb2.Statement())).validate()
statement = json.loads(text)
assert statement["predicateType"] == PREDICATE_TYPE, statement["predicateType"]
predicate = statement["predicate"]
assert predicate["result"] in ("PASSED", "WARNED", "FAILED"), predicate["result"]
assert isinstance(predicate["configuration"], list)
for rd in predicate["configuration"]:
    pb = json_format.Parse(json.dumps(rd), resource_descriptor_pb2.ResourceDescriptor())
    ResourceDescriptor.copy_from_pb(pb).validate()
for key in ("passedTests", "warnedTests", "failedTests"):
    assert all(isinstance(t, str) for t in predicate.get(key, [])), key
unknown = set(predicate) - {"result", "configuration", "url", "passedTests", "warnedTests", "failedTests"}
assert not unknown, unknown
print(
    f"in-toto statement OK ({len(statement['subject'])} subjects, "
    f"{len(predicate['configuration'])} configuration descriptors, result {predicate['result']})"
)
