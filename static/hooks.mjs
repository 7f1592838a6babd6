// Starts PyScript (our own copy) and hands its interpreter to boot.js as soon as it is ready, before main.py runs.
import { hooks } from "../vendor/pyscript/core.js";

hooks.main.onReady.add((wrap) => window.pycnnBoot.pythonStarts(wrap.interpreter));
