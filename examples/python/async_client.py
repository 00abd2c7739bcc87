"""The async client: three requests at once, then a conversation that keeps the turns.

python examples/python/async_client.py
"""

import asyncio

from openai import AsyncOpenAI


async def main() -> None:
    async with AsyncOpenAI() as client:
        replies = await asyncio.gather(
            *(client.responses.create(model="gpt-4o-mini", input=f"Question {n}") for n in range(1, 4))
        )
        print("parallel:", [reply.output_text for reply in replies])

        conversation = await client.conversations.create(metadata={"example": "async"})
        await client.responses.create(model="gpt-4o-mini", input="Remember this", conversation=conversation.id)
        await client.responses.create(model="gpt-4o-mini", input="And this", conversation=conversation.id)
        items = await client.conversations.items.list(conversation.id, order="asc")
        print("conversation items:", [item.type for item in items.data])
    print("async ok")


asyncio.run(main())
