// A stand-in for AWS Labs' pricing MCP server (awslabs.aws-pricing-mcp-server) with AWS
// behind it: the real server needs AWS credentials and the network, which tests do not have.
// Its get_pricing tool answers as the real one does ({status, service_name, data, message};
// errors as {status: "error", error_type, message}) with products in the AWS Price List API's
// documented GetProducts shape (terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD). The
// prices are deliberately not the bundled catalog's, so a test can tell which one was used.
// With the argument `cost-agent` it stands in instead for the reference article's remote cost
// agent (a model and AWS behind AgentCore Runtime), offering `aws_cost_estimation`, which
// answers a description with a whole estimate in words. Stdio, newline-delimited JSON-RPC.
import { answer, send, serve } from "./stdio-server.mjs";

// "serviceCode instanceType-or-volume region" → USD per unit, as the Price List gives it.
const prices = {
  "AmazonEC2 t3.medium us-east-1": ["Hrs", "0.0500000000"],
  "AmazonEC2 gp3 us-east-1": ["GB-Mo", "0.0900000000"],
};

const tools = [
  {
    name: "get_pricing",
    description: "Get pricing information from AWS Price List API.",
    inputSchema: {
      type: "object",
      properties: {
        service_code: { type: "string" },
        region: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }, { type: "null" }] },
        filters: { anyOf: [{ type: "array", items: { type: "object" } }, { type: "null" }] },
        max_allowed_characters: { type: "integer" },
        output_options: { anyOf: [{ type: "object" }, { type: "null" }] },
        max_results: { type: "integer" },
        next_token: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["service_code"],
    },
  },
];


function getPricing({ service_code, region, filters = [] }) {
  const wanted = (field) => filters.find((filter) => filter.Field === field)?.Value;
  const product = wanted("instanceType") ?? wanted("volumeApiName");
  const found = prices[`${service_code} ${product} ${region}`];
  if (!found) {
    return {
      status: "error",
      error_type: "empty_results",
      message: `No results found for given filters, service: "${service_code}", region "${region}"`,
    };
  }
  const [unit, usd] = found;
  const sku = "STANDINSKU0000001";
  return {
    status: "success",
    service_name: service_code,
    data: [
      {
        product: { productFamily: "Compute Instance", attributes: { regionCode: region }, sku },
        terms: {
          OnDemand: {
            [`${sku}.JRTCKXETXF`]: {
              offerTermCode: "JRTCKXETXF",
              priceDimensions: {
                [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit, pricePerUnit: { USD: usd } },
              },
            },
          },
        },
        version: "20261101000000",
        publicationDate: "2026-11-01T00:00:00Z",
      },
    ],
    message: `Retrieved pricing for ${service_code} in ${region} from AWS Pricing API`,
  };
}

const costAgentTools = [
  {
    name: "aws_cost_estimation",
    description: "Estimate AWS costs for a given architecture description",
    inputSchema: {
      type: "object",
      properties: { architecture_description: { type: "string" } },
      required: ["architecture_description"],
    },
  },
];

function costAgent(id, name, args) {
  if (name !== "aws_cost_estimation") {
    return send({ jsonrpc: "2.0", id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
  const text = `## Cost estimate\n\nFor "${args.architecture_description}": about $71.20 a month at current on-demand prices.`;
  return answer(id, { content: [{ type: "text", text }] });
}

const costAgentMode = process.argv[2] === "cost-agent";
serve({
  name: costAgentMode ? "cost-agent-stand-in" : "price-list-stand-in",
  tools: costAgentMode ? costAgentTools : tools,
  call: (id, name, args) => {
    if (costAgentMode) return costAgent(id, name, args);
    if (name !== "get_pricing") {
      return send({ jsonrpc: "2.0", id, error: { code: -32602, message: `unknown tool ${name}` } });
    }
    const result = getPricing(args);
    return answer(id, { content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: result });
  },
});
