"""LangChain's ChatOpenAI on the Responses API: invoke, stream, tools and structured output.

pip install langchain-openai
python examples/python/langchain_chat.py
"""

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

llm = ChatOpenAI(model="gpt-4o", use_responses_api=True)  # OPENAI_BASE_URL and OPENAI_API_KEY

print("invoke:", llm.invoke("Hello from LangChain").text)

chunks = [chunk.text for chunk in llm.stream("Streaming through LangChain")]
print("stream:", "".join(chunks))


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"18C and cloudy in {city}"


with_tools = llm.bind_tools([get_weather])
messages = [HumanMessage("What's the weather in Berlin?")]
reply = with_tools.invoke(messages)
print("tool call:", reply.tool_calls[0]["name"], reply.tool_calls[0]["args"])
messages += [
    reply,
    *(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]) for call in reply.tool_calls),
]
print("tool answer:", with_tools.invoke(messages).text)


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


event = llm.with_structured_output(CalendarEvent).invoke("Alice and Bob are going to a science fair on Friday.")
assert isinstance(event, CalendarEvent)
print(f"structured: {event.name} on {event.date} with {', '.join(event.participants)}")
