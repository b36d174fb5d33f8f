"""Tool definitions for the support agent (no LLM calls here)."""

TOOLS = [
    {
        "name": "lookup_invoice",
        "description": "Fetch an invoice by id.",
        "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
    }
]


def run_tool(block):
    return {"type": "tool_result", "tool_use_id": block.id, "content": "ok"}
