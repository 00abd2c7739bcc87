// The Vercel AI SDK with the OpenAI Responses provider: text, a tool round trip, and generateObject.
// Needs Node 22 or later. The tool call and the object come from examples/scenarios/*.yaml.
//
//   export OPENAI_BASE_URL=http://127.0.0.1:7171/v1 OPENAI_API_KEY=sk-anything
//   node examples/node/vercel_ai_sdk.mjs
import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, generateText, Output, stepCountIs, tool } from "ai";
import { z } from "zod";

const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const model = openai.responses("gpt-4o");

const hello = await generateText({ model, prompt: "Hello from the AI SDK" });
console.log("text:", hello.text);

const weather = await generateText({
  model,
  prompt: "What's the weather in Paris?",
  tools: {
    get_weather: tool({
      description: "The current weather in a city.",
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => `18C and cloudy in ${city}`,
    }),
  },
  stopWhen: stepCountIs(3), // call the tool, send its result back, get the answer
});
const calls = weather.steps.flatMap((step) => step.toolCalls.map((call) => `${call.toolName}(${JSON.stringify(call.input)})`));
console.log("tool calls:", calls.join(", "));
console.log("tool answer:", weather.text);

const CalendarEvent = z.object({ name: z.string(), date: z.string(), participants: z.array(z.string()) });
const prompt = "Alice and Bob are going to a science fair on Friday.";

// AI SDK 7 prefers generateText with an output setting (generateObject still works, with a deprecation warning).
const { output } = await generateText({ model, output: Output.object({ schema: CalendarEvent }), prompt });
console.log(`output: ${output.name} on ${output.date} with ${output.participants.join(", ")}`);

globalThis.AI_SDK_LOG_WARNINGS = false; // this example knows generateObject is deprecated
const { object } = await generateObject({ model, schema: CalendarEvent, prompt });
console.log(`object: ${object.name} on ${object.date} with ${object.participants.join(", ")}`);
