"""The upload page in a real browser: Debian's chromium, headless, driven by selenium through
chromium-driver, against a live thumbd-api (API keys on) with thumbd behind it on moto_server.

  page_test.py BASE_URL API_KEY PHOTOS_DIR OUTPUT_DIR

Checks, each an assertion with its reason:
- the page's answers carry a Content-Security-Policy that allows scripts only from itself;
- a wrong API key shows "not authorised" and the history stays empty;
- a JPEG uploaded through the file input becomes an <img> whose naturalWidth/naturalHeight are the
  thumbnail's size, within 30 s; it is listed under "Your recent jobs";
- a text file shows the error's title and detail, and no thumbnail;
- a file named `<img src=x onerror=alert(1)>.jpg` shows that name as text, and no alert fires;
- every control has a label and Tab reaches each kind; at 390 px nothing overflows sideways;
- the console holds no errors but the requests failed on purpose (the text file's 415, the wrong
  key's 401).
Screenshots go to OUTPUT_DIR (page.png, page-390.png).
"""
import os
import shutil
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

base, api_key, photos, output = sys.argv[1:5]
os.makedirs(output, exist_ok=True)
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def wait_for(condition, seconds, every=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return condition()


# The page's headers, as a plain HTTP client sees them.
with urllib.request.urlopen(base + "/") as response:
    policy = response.headers.get("Content-Security-Policy", "")
    check(response.headers.get_content_type() == "text/html", "GET / is HTML")
check("script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy,
      f"CSP allows scripts from the page's own origin only: {policy}")
check("default-src 'none'" in policy, "CSP denies by default")

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1600",
                 "--disable-background-networking", "--no-first-run"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
driver.set_page_load_timeout(30)
console = []


def drain_console():
    console.extend(driver.get_log("browser"))


def alert_fired():
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.accept()
        return text or "(empty alert)"
    except NoAlertPresentException:
        return None


def set_key(value):
    field = driver.find_element(By.ID, "api-key")
    field.clear()
    field.send_keys(value, Keys.TAB)  # the change event: the key is stored and the history reloads


def upload(path):
    before = len(driver.find_elements(By.CSS_SELECTOR, "#uploads > li"))
    driver.find_element(By.ID, "files").send_keys(path)
    if not wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#uploads > li")) > before, 10):
        raise AssertionError(f"no card appeared for {os.path.basename(path)}")
    return driver.find_elements(By.CSS_SELECTOR, "#uploads > li")[0]  # the newest card comes first


try:
    driver.get(base + "/")
    check(driver.find_element(By.ID, "key-section").is_displayed(), "with keys on, the page asks for an API key")

    # The keyboard reaches every kind of control: Tab from the top of a fresh page.
    reached = set()
    for _ in range(40):
        ActionChains(driver).send_keys(Keys.TAB).perform()  # to the page, not an element: a file input takes keys as a path
        active = driver.switch_to.active_element
        reached.add(active.get_attribute("id") or active.get_attribute("name") or active.tag_name)
    check({"api-key", "preset", "files", "refresh"} <= reached, f"Tab reaches the key, the sizes, the file picker and the list's button: {sorted(reached)}")

    set_key(api_key)
    driver.refresh()
    check(driver.find_element(By.ID, "api-key").get_attribute("value") == api_key, "the key is remembered (local storage)")
    check(api_key not in driver.current_url, "the key is not in the URL")

    # A photo through the file input: its thumbnail, at the size asked for.
    card = upload(os.path.join(photos, "canyon.jpg"))

    def loaded_size():
        images = card.find_elements(By.TAG_NAME, "img")
        if not images:
            return None
        size = driver.execute_script("return arguments[0].complete && [arguments[0].naturalWidth, arguments[0].naturalHeight]", images[0])
        return size if size and size[0] > 0 else None

    size = wait_for(loaded_size, 30)
    check(size == [200, 125], f"the 1600x1000 photo's thumbnail is shown at 200x125 (THUMBD_SIZES=200x200): {size}")
    check("Done" in card.text, f"its state reads Done: {card.text!r}")
    listed = wait_for(lambda: [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#history > li")], 10)
    check(any("canyon" in text for text in listed or []), f"and it is in the recent jobs: {listed}")

    # A text file: the error in words, no thumbnail.
    card = upload(os.path.join(photos, "notes.txt"))
    error = wait_for(lambda: card.find_element(By.CSS_SELECTOR, ".error").text, 15)
    check("not an image format thumbd reads" in error, f"a text file shows the problem's title: {error!r}")
    check("{" not in error, "in words, not JSON")
    check(not card.find_elements(By.TAG_NAME, "img"), "and no thumbnail")

    # A hostile file name: shown as text; no alert, no injected element.
    hostile_dir = tempfile.mkdtemp()
    hostile = os.path.join(hostile_dir, "<img src=x onerror=alert(1)>.jpg")
    shutil.copy(os.path.join(photos, "owl.jpg"), hostile)
    card = upload(hostile)
    check(card.find_element(By.CSS_SELECTOR, ".name").text == "<img src=x onerror=alert(1)>.jpg",
          "the hostile file name is shown literally")
    check(bool(wait_for(lambda: card.find_elements(By.TAG_NAME, "img"), 30)), "and it is thumbnailed like any photo")
    shutil.rmtree(hostile_dir, ignore_errors=True)
    time.sleep(1)
    fired = alert_fired()
    check(fired is None, f"no alert fired: {fired}")
    check(not driver.find_elements(By.CSS_SELECTOR, 'img[src="x"]'), "no element was made from the name")

    # Every control has a label; the page fits a phone.
    unlabelled = driver.execute_script("""
        return Array.from(document.querySelectorAll('input, select, button, textarea'))
          .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !(c.textContent || '').trim())
          .map(c => c.outerHTML);""")
    check(not unlabelled, f"every control has a label: {unlabelled}")
    driver.save_screenshot(os.path.join(output, "page.png"))

    # A wrong key, now that the right one has a history: "not authorised", and the list empties.
    check(bool(driver.find_elements(By.CSS_SELECTOR, "#history > li")), "(the right key's history has jobs)")
    set_key("thk_0000000000_wrongwrongwrongwrongwrong")
    wait_for(lambda: "not authorised" in driver.find_element(By.ID, "history-status").text.lower(), 10)
    status = driver.find_element(By.ID, "history-status").text
    check("not authorised" in status.lower(), f"a wrong key says not authorised: {status!r}")
    check(not driver.find_elements(By.CSS_SELECTOR, "#history > li"), "and the history is empty")

    # A phone's width (390 CSS px, as an iPhone 12-15), with the widest layout shown: the custom size row.
    driver.find_element(By.CSS_SELECTOR, 'input[name="preset"][value="custom"]').click()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 1400, "deviceScaleFactor": 1, "mobile": True})
    time.sleep(0.5)
    check(driver.execute_script("return window.innerWidth") == 390, "the viewport is 390 px wide")
    check(driver.find_element(By.ID, "custom").is_displayed(), "(the custom size row is shown)")
    widths = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wide = driver.execute_script("""
        const limit = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > limit + 0.5)
          .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right));""")
    check(widths[0] <= widths[1], f"at 390 px nothing overflows sideways (scroll width {widths[0]}, viewport {widths[1]}): {wide}")
    driver.save_screenshot(os.path.join(output, "page-390.png"))

    drain_console()
    errors = [entry["message"] for entry in console if entry["level"] == "SEVERE"]
    unexpected = [message for message in errors
                  if not ("status of 415" in message or "status of 401" in message)]
    check(not unexpected, f"no console errors but the 415 and 401 asked for: {unexpected}")
    check(any("status of 415" in message for message in errors) and any("status of 401" in message for message in errors),
          "(the console did see the 415 and the 401: the filter above is not vacuous)")
finally:
    driver.quit()

print(f"screenshots in {output}")
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
