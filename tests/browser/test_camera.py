"""The camera in Chromium (its fake camera): the photo runs through the network like an upload and the camera is off
right after; a refused camera gets one clear message and changes nothing."""
import pytest

import harness

pytestmark = pytest.mark.browser
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
REFUSE = """navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));"""
LIVE_TRACKS = """() => window.__tracks.filter(t => t.readyState === 'live').length"""
KEEP_TRACKS = """{
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    window.__tracks = [];
    navigator.mediaDevices.getUserMedia = async (c) => { const s = await original(c); window.__tracks.push(...s.getTracks()); return s; };
}"""


@pytest.fixture(scope="module")
def camera_browser(browser):
    """A second Chromium with a fake camera (from the suite's own Playwright: one per process)."""
    camera = browser.browser_type.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS + FAKE_CAMERA)
    yield camera
    camera.close()


def booted(browser, dist, script):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(script)
    site = harness.Site(dist, "/")
    page = harness.open_page(context)
    page.goto(site.url)
    harness.wait_ready(page)
    return context, site, page


def test_a_photo_is_classified_and_the_camera_turned_off(camera_browser, dist):
    context, site, page = booted(camera_browser, dist, KEEP_TRACKS)
    try:
        before = int(page.evaluate("document.body.dataset.renderCount"))
        page.click("#camera-open")
        page.wait_for_function("!document.querySelector('#camera-shutter').disabled")
        assert page.evaluate(LIVE_TRACKS) == 1 and page.evaluate("document.activeElement.id") == "camera-shutter"
        page.wait_for_function("document.querySelector('#camera-video').videoWidth > 0")
        page.click("#camera-shutter")
        page.wait_for_function(f"Number(document.body.dataset.renderCount) > {before}")
        assert "photo.png" in page.inner_text("#input-caption")
        assert page.evaluate(LIVE_TRACKS) == 0 and not page.evaluate("document.querySelector('#camera').open")
        page.click("#camera-open")  # and closing without a photo turns it off too
        page.wait_for_function("!document.querySelector('#camera-shutter').disabled")
        page.keyboard.press("Escape")
        page.wait_for_function(f"({LIVE_TRACKS})() === 0")
        assert page.console_errors == []
    finally:
        context.close()
        site.stop()


def test_a_refused_camera_says_so_and_changes_nothing(camera_browser, dist):
    context, site, page = booted(camera_browser, dist, REFUSE)
    try:
        label = page.get_attribute("#prediction", "data-label")
        page.click("#camera-open")
        page.wait_for_function("document.querySelector('#camera-status').textContent.includes('not allowed')")
        assert page.evaluate("document.querySelector('#camera-shutter').disabled")
        page.click("#camera-close")
        assert page.get_attribute("#prediction", "data-label") == label and page.console_errors == []
    finally:
        context.close()
        site.stop()
