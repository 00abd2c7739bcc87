// The official openai Node SDK against the emulator: create, chain, stream, function calling.
//
//   export OPENAI_BASE_URL=http://127.0.0.1:7171/v1 OPENAI_API_KEY=sk-anything
//   node examples/node/openai_node.mjs
import OpenAI from "openai";

const client = new OpenAI(); // reads OPENAI_BASE_URL and OPENAI_API_KEY

const first = await client.responses.create({ model: "gpt-4o", input: "Hello from Node" });
const second = await client.responses.create({
  model: "gpt-4o",
  input: "And again?",
  previous_response_id: first.id,
});
console.log("chained:", first.output_text, "->", second.output_text);

const stream = client.responses.stream({ model: "gpt-4o", input: "Node streams word by word" });
stream.on("response.output_text.delta", (event) => process.stdout.write(event.delta));
const final = await stream.finalResponse();
console.log(`\nstream finished: ${final.status}`);

// Function calling: examples/scenarios/weather.yaml makes the model call get_weather for Paris.
const tools = [
  {
    type: "function",
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
    strict: true,
  },
];
const asked = await client.responses.create({ model: "gpt-4o", input: "What's the weather in Paris?", tools });
const call = asked.output.find((item) => item.type === "function_call");
const { city } = JSON.parse(call.arguments);
const answer = await client.responses.create({
  model: "gpt-4o",
  previous_response_id: asked.id,
  input: [{ type: "function_call_output", call_id: call.call_id, output: `18C and cloudy in ${city}` }],
  tools,
});
console.log("tool answer:", answer.output_text);
