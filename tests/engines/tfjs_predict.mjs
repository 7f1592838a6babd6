// Load a TF.js Layers model.json (and its shards, read from disk through tf.io.http's fetchFunc, so the
// weightsManifest is parsed as TF.js parses it) and print its predictions for the float32 images in a file:
//   node tfjs_predict.mjs DIR/model.json IMAGES.f32 N H W C
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tf = require("@tensorflow/tfjs");
const [modelPath, imagesPath, ...dims] = process.argv.slice(2);
const shape = dims.map(Number);
const fetchFunc = async (url) => new Response(fs.readFileSync(new URL(url)));
const model = await tf.loadLayersModel(tf.io.http("file://" + modelPath, { fetchFunc }));
const bytes = fs.readFileSync(imagesPath);
const images = tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), shape);
const probabilities = model.predict(images);
console.log(JSON.stringify({
  layers: model.layers.map((l) => [l.name, l.getClassName()]),
  outputShape: probabilities.shape,
  probabilities: Array.from(probabilities.dataSync()),
}));
