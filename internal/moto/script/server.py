"""moto_server for goship's tests, with the gaps of moto 5.2.1 they hit filled in.

Started by internal/moto instead of bare moto_server. Without arguments it
binds 127.0.0.1 on a port the kernel picks and prints "listening on PORT"
once the socket is bound, so the caller needs neither a guessed free port nor
a polling loop. With HOST PORT (`go run ./ci rehearse`, in the emulator's
container) it binds that address instead.

Gaps filled here:
- Application Auto Scaling has no ListTagsForResource, TagResource or
  UntagResource in moto 5.2.1. The hashicorp/aws provider reads a scalable
  target's tags after every create and refresh, gets a 500 and retries it for
  many minutes. This keeps the tags in memory, including those sent with
  RegisterScalableTarget, so a second plan sees the tags it wrote.
- ECS UpdateService with a new task definition changes the service's
  taskDefinition but leaves its PRIMARY deployment on the old one, so
  everything that reads the image from the primary deployment (status,
  rollback's choice, the wait) sees the image before the update. ECS starts a
  new PRIMARY deployment; since moto runs no task, this one replaces the old
  at once with the same counts, as a finished rollout leaves it.
- ECS CreateService drops deploymentConfiguration (UpdateService keeps it),
  so DescribeServices of a new service has none: no deployment alarms, no
  circuit breaker. The hashicorp/aws provider then keeps what it sent, so a
  plan shows no drift either way, but a reader of DescribeServices (the
  pipeline, a test) would see a service that ECS never rolls back. This
  keeps it on create, as UpdateService does.

- A bucket policy's conditions are not evaluated: moto applies a Deny whose
  condition it does not know (Bool aws:SecureTransport false, NumericLessThan
  s3:TlsVersion 1.2: the state bucket's) to every object call, so the S3
  backend can store no state in the bucket bootstrap creates. Its clients
  stand in for callers of AWS's HTTPS endpoints, so here those two conditions
  are evaluated as for a request over TLS 1.3: a statement whose transport
  condition does not hold does not apply. Any other condition is left to moto.
- A security group rule that references another group (the network's rules
  between the load balancer and the service) loses its description:
  DescribeSecurityGroupRules reads it from the CIDR range such a rule does
  not have, so every plan after an apply wants to set it again. Here it is
  read from the referenced group's entry, where moto keeps it.

Gaps set through the environment by the Go side (MOTO_ECS_SERVICE_RUNNING)
need no code here.
"""

import json
import sys

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.utils import utcnow
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.moto_api._internal import mock_random
from moto.s3.models import FakeBucket
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import make_server

# Scalable target ARN -> {tag key: value}. One server process serves one test
# run, so process memory is the right lifetime.
scalable_target_tags = {}

register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target
deregister_scalable_target = ApplicationAutoScalingResponse.deregister_scalable_target


def register_scalable_target_with_tags(self):
    body = register_scalable_target(self)
    arn = json.loads(body)["ScalableTargetARN"]
    scalable_target_tags.setdefault(arn, {}).update(self._get_param("Tags") or {})
    return body


def deregister_scalable_target_and_tags(self):
    resource_id = self._get_param("ResourceId")
    dimension = self._get_param("ScalableDimension")
    backend = self.applicationautoscaling_backend
    target = backend.targets.get(dimension, {}).get(resource_id)
    body = deregister_scalable_target(self)
    if target is not None:
        scalable_target_tags.pop(target.arn, None)
    return body


def list_tags_for_resource(self):
    arn = self._get_param("ResourceARN")
    return json.dumps({"Tags": scalable_target_tags.get(arn, {})})


def tag_resource(self):
    arn = self._get_param("ResourceARN")
    scalable_target_tags.setdefault(arn, {}).update(self._get_param("Tags") or {})
    return "{}"


def untag_resource(self):
    arn = self._get_param("ResourceARN")
    for key in self._get_param("TagKeys") or []:
        scalable_target_tags.get(arn, {}).pop(key, None)
    return "{}"


ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target_with_tags
ApplicationAutoScalingResponse.deregister_scalable_target = deregister_scalable_target_and_tags
ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = tag_resource
ApplicationAutoScalingResponse.untag_resource = untag_resource

ecs_update_service = EC2ContainerServiceBackend.update_service


def update_service_with_deployment(self, service_properties):
    task_definition = service_properties.get("task_definition")
    service = ecs_update_service(self, service_properties)
    if not task_definition or not service.deployments:
        return service
    arn = self.describe_task_definition(task_definition).arn
    primary = service.deployments[0]
    if primary["taskDefinition"] == arn:
        return service
    deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
    now = utcnow()
    service.deployments = [
        dict(
            primary,
            id=deployment_id,
            taskDefinition=arn,
            desiredCount=service.desired_count,
            rolloutStateReason=f"ECS deployment {deployment_id} {'completed' if primary['rolloutState'] == 'COMPLETED' else 'in progress'}.",
            createdAt=now,
            updatedAt=now,
        )
    ]
    return service


EC2ContainerServiceBackend.update_service = update_service_with_deployment

ecs_create_service = EC2ContainerServiceResponse.create_service


def create_service_with_deployment_configuration(self):
    result = ecs_create_service(self)
    configuration = self._get_param("deploymentConfiguration")
    if configuration:
        service = self.ecs_backend._get_service(
            self._get_param("cluster", "default"), self._get_param("serviceName")
        )
        # The attribute UpdateService sets; the response is serialised from it.
        service.deployment_configuration = configuration
    return result


EC2ContainerServiceResponse.create_service = create_service_with_deployment_configuration


def holds_over_tls(condition):
    """Whether a statement's Condition holds for a request over TLS 1.3; None
    when it tests anything but the transport, which moto then decides."""
    for operator, tests in condition.items():
        for key, expected in tests.items():
            values = expected if isinstance(expected, list) else [expected]
            if operator == "Bool" and key == "aws:SecureTransport":
                holds = "true" in [str(v).lower() for v in values]
            elif operator == "NumericLessThan" and key == "s3:TlsVersion":
                holds = any(1.3 < float(v) for v in values)
            else:
                return None
            if not holds:
                return False
    return True


def get_permission_over_tls(self, action, resource):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy)
    statements = document["Statement"]
    if not isinstance(statements, list):
        statements = [statements]
    applicable = [s for s in statements if holds_over_tls(s.get("Condition", {})) is not False]
    if not applicable:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps(dict(document, Statement=applicable))).is_action_permitted(action, resource)


FakeBucket.get_permission = get_permission_over_tls


def rule_description(self):
    return self.ip_range.get("Description") or (self.source_group or {}).get("Description")


SecurityGroupRule.description = property(rule_description)


def main():
    host, port = ("127.0.0.1", 0) if len(sys.argv) < 3 else (sys.argv[1], int(sys.argv[2]))
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, app, threaded=True)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
