"""Prints a CloudFormation template (YAML with its short-form tags: !Ref, !Sub, !If...) as JSON, read
by cfn-lint's own decoder, so tests can inspect what the template says where moto's CloudFormation
does not model it (TTL, lifecycle, CORS, alarms, load balancer attributes, scaling policies).

  cfn_template_json.py TEMPLATE
"""
import json
import sys

from cfnlint.decode import decode

template, problems = decode(sys.argv[1])
if problems:
    sys.exit("\n".join(str(problem) for problem in problems))
json.dump(template, sys.stdout)
