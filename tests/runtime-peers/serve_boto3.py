"""AWS's own client against `agentdesk serve`: boto3's `bedrock-agentcore` InvokeAgentRuntime
with `endpoint_url` pointed at the server, dummy credentials (SigV4 is signed, not checked).

Run: python serve_boto3.py ENDPOINT_URL ARN SESSION_ID PROMPT
Prints one JSON line: {"status", "session_id", "content_type", "body"}; on an AWS error,
{"error_code", "message", "status"}.
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main():
    endpoint_url, arn, session_id, prompt = sys.argv[1:5]
    client = boto3.client(
        "bedrock-agentcore",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
        # boto3 retries once even with max_attempts 1 (LESSONS.md).
        config=Config(retries={"total_max_attempts": 1}, read_timeout=300),
    )
    try:
        answer = client.invoke_agent_runtime(
            agentRuntimeArn=arn,
            qualifier="DEFAULT",
            runtimeSessionId=session_id,
            payload=json.dumps({"prompt": prompt}).encode(),
        )
    except ClientError as error:
        print(json.dumps({
            "error_code": error.response["Error"].get("Code"),
            "message": error.response["Error"].get("Message"),
            "status": error.response["ResponseMetadata"].get("HTTPStatusCode"),
        }))
        return
    print(json.dumps({
        "status": answer["statusCode"],
        "session_id": answer.get("runtimeSessionId"),
        "content_type": answer.get("contentType"),
        "body": answer["response"].read().decode("utf-8"),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
