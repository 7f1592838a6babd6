// Firefox ESR for tests/browser/test_engines.py: boots the site at URL, reads the prediction, opens neuron INDEX of
// LAYER, presses Step ▶ STEPS times, and prints what it saw as one JSON line.
// Usage: node firefox.mjs URL FIREFOX LAYER INDEX STEPS
import puppeteer from "puppeteer-core";

const [url, executablePath, layer, index, steps] = process.argv.slice(2);
const STEP = "({...document.querySelector('#explain-body').dataset, " +
  "result: document.querySelector('#explain-body .result')?.dataset.value, " +
  "forward: document.querySelector('#explain-body .forward-value')?.dataset.value})";

const browser = await puppeteer.launch({browser: "firefox", executablePath, headless: true});
const seen = {errors: []};
try {
  const page = await browser.newPage();
  page.on("console", (message) => message.type() === "error" && seen.errors.push(message.text()));
  page.on("pageerror", (error) => seen.errors.push(`pageerror: ${error.message}`));
  await page.setViewport({width: 1300, height: 1000});
  const start = performance.now();
  await page.goto(url);
  await page.waitForFunction("['ready', 'error'].includes(document.body?.dataset.state)", {timeout: 90000, polling: 100})
    .catch(() => {});  // then the test fails with the boot message
  seen.boot_s = (performance.now() - start) / 1000;
  seen.state = await page.evaluate("document.body.dataset.state");
  seen.message = await page.evaluate("document.getElementById('boot-status')?.textContent");
  if (seen.state === "ready") {
    seen.example = await page.$eval("#gallery .example[aria-pressed=true]", (e) => e.dataset.example);
    seen.label = await page.$eval("#prediction", (e) => e.dataset.label);
    seen.probabilities = await page.$$eval(".node.out", (rows) => rows.map((r) => Number(r.dataset.probability)));
    await page.click(`#network .node[data-layer="${layer}"][data-index="${index}"]`);
    await page.waitForSelector("#explain-body .stepview", {timeout: 20000});
    seen.steps = [];
    for (let i = 0; i < Number(steps); i++) {
      await page.click("#explain-body .step-forward");
      seen.steps.push(await page.evaluate(STEP));
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
