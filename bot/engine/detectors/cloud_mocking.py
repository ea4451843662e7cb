"""MG107: moto's cloud mocks (`mock_aws`, `mock_s3`, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext, expression_text, positional

MOTO = Library("moto", modules=("moto",), star_exports={"moto": ("mock_aws",)})
# botocore is no mocking library, but its Stubber answers a client's calls in-process.
BOTOCORE = Library("botocore", hosts=("botocore",))
STUBBERS = {"botocore.stub.Stubber"}


def moto_service(qualified: str) -> str | None:
    if not qualified.startswith("moto."):
        return None
    name = qualified.split(".")[-1]
    return name if name.startswith("mock_") else None


class CloudMock(Rule):
    id = "MG107"
    name = "cloud-mock-in-integration-test"
    summary = "An integration test replaces a cloud service with moto's in-process mock"
    what_it_does = """
        Flags each new use of moto's `mock_aws` (and the older per-service `mock_s3`, `mock_sqs`,
        ...) as a decorator, a context manager or a call, and each botocore `Stubber(client)`.
    """
    why_bad = """
        moto re-implements AWS inside the test process. Permissions, eventual consistency, real
        limits and the SDK's network path are not exercised, so an integration test on moto says
        little about the deployed system.
    """
    example = """
        from moto import mock_aws

        @mock_aws
        def test_upload():
            upload_report("bucket", b"...")
    """
    use_instead = """
        Run a real S3-compatible or SQS-compatible server on loopback (MinIO, ElasticMQ, LocalStack)
        in a fixture and point the SDK's endpoint URL at it.
    """
    VALID = ("import boto3\n\ndef test_x(s3_endpoint):\n    boto3.client('s3', endpoint_url=s3_endpoint)\n",)
    INVALID = (
        Invalid("from moto import mock_aws\n\n@mock_aws\ndef test_x():\n    pass\n", lines=(3,), construct="moto"),
        Invalid("import moto\n\ndef test_x():\n    with moto.mock_sqs():\n        pass\n", lines=(4,), construct="moto", category="queue"),
    )

    libraries = (MOTO, BOTOCORE)
    trigger_words = frozenset({"Stubber"})
    trigger_prefixes = ("mock_",)

    def _draft(self, qualified: str, ctx: UseContext) -> Draft | None:
        service = moto_service(qualified)
        if service is None:
            return None
        return Draft(construct="moto", library="moto", target=service, component=f"cloud:{service}")

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        if qualified in STUBBERS:
            client = expression_text(positional(call, 0), ctx)
            return Draft(construct="botocore.Stubber", library="botocore", target=client, component=f"cloud:stubber:{client}")
        return self._draft(qualified, ctx)

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        return self._draft(qualified, ctx) if ctx.how in ("decorator", "with") else None
