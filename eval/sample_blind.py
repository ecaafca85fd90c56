"""Sample the answer articles for eval/blind_tickets.jsonl (seeded, reproducible).

Reads only the shared KB manifest and the two existing ticket files; imports nothing from the
repo. Prints, per top-level section, the sampled articles in order, then a few backups (the next
ones in the same seeded order, used only if a sampled article could not carry a ticket).

    python eval/sample_blind.py [--seed 20250]
"""

import argparse
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT.parent / "shared" / "data" / "exports" / "kb"
TAKEN = [
    ROOT / "eval" / "extra_tickets.jsonl",
    ROOT.parent / "shared" / "data" / "eval" / "dev_tickets.jsonl",
]
TOTAL = 80

# Close-sibling groups, made from the titles before sampling: articles about the same product or
# feature that differ by task (set up / recover / remove), by variant or tool (IDE vs Cloud Editor,
# one board vs the next) or by depth; one group per paragraph. Members (file stems) get a higher
# sampling weight.
SIBLINGS_TEXT = """
Enable-2-Step-Verification-for-your-Arduino-account Disable-2-Step-Verification-for-your-Arduino-account
Recover-an-account-protected-by-2-Step-Verification

Create-an-Arduino-account Create-an-Arduino-account-for-a-minor About-Arduino-accounts-for-minors
Error-LegacyInvite-When-trying-to-create-the-Arduino-Account

Change-the-email-address-for-your-Arduino-account Verify-your-email-address
I-am-not-receiving-any-Arduino-emails Subscribe-or-unsubscribe-from-the-Arduino-newsletter

Reset-the-password-for-your-Arduino-account Change-your-username-in-the-Arduino-Forum

Where-can-I-review-and-change-my-Arduino-services-plans Review-change-or-cancel-an-Arduino-Cloud-plan
Sign-up-for-an-Arduino-Cloud-plan What-happens-if-I-downgrade-my-plan
If-you-exceed-plan-limits-after-downgrading
Billing-and-feature-changes-when-switching-to-a-different-Cloud-plan
If-you-cannot-purchase-an-Arduino-Cloud-plan-or-certification-exam When-am-I-billed-for-my-subscription

About-the-Arduino-AI-Assistant Understand-how-the-Arduino-AI-Assistant-works-and-how-it-uses-your-data

Add-a-device-to-Arduino-Cloud If-your-device-cant-be-added-to-Arduino-Cloud
How-to-delete-a-device-from-Arduino-Cloud Supported-Arduino-Cloud-devices
How-to-delete-Things-in-Arduino-Cloud

If-your-device-is-offline-in-Arduino-Cloud About-device-status-in-Arduino-Cloud
If-your-Arduino-device-can-t-connect-to-a-Wi-Fi-network Configure-the-network-credentials-for-a-device
Configure-your-network-for-Arduino-Cloud Supported-Wi-Fi-bands-for-Arduino-devices

Import-an-Arduino-Cloud-Template If-you-cant-import-a-template-in-Arduino-Cloud

Install-the-Arduino-Cloud-Agent Uninstall-the-Arduino-Cloud-Agent
Check-if-the-Arduino-Cloud-Agent-is-installed-and-running Check-your-Arduino-Cloud-Agent-version
If-the-Arduino-Cloud-Agent-isnt-detected About-Arduino-Cloud-Agent-on-macOS-Ventura
If-you-get-destination-windows-folder-startup-resolved-to-an-empty-value-when-installing-the-Cloud-Agent

Open-the-Cloud-Editor If-you-cant-access-the-Cloud-Editor Use-Arduino-Cloud-with-Brave-Browser
What-Operating-Systems-are-supported-by-the-Cloud-Editor Boards-compatible-with-the-Cloud-Editor
If-your-board-is-not-detected-by-Arduino-Cloud-Editor If-your-board-is-not-detected-by-Arduino-IDE

Import-your-sketchbook-and-libraries-to-the-Cloud-Editor
I-get-an-error-while-importing-my-custom-library-to-the-Cloud-Editor Add-libraries-to-Arduino-IDE

Selecting-between-multiple-libraries-with-the-same-name Error-Multiple-libraries-were-found

About-compilation-limits-with-the-free-Cloud-plan Improve-compilation-time-with-Arduino-IDE

Add-members-to-a-space Remove-members-from-a-space Check-member-roles-in-a-space
Roles-and-permissions-in-shared-spaces Disband-a-space About-spaces-and-plan-usage

Update-connectivity-module-firmware-with-Arduino-Cloud Use-the-Firmware-Updater-in-Arduino-IDE
Update-the-connectivity-module-firmware-on-UNO-R4-WiFi
Restore-the-USB-connectivity-firmware-on-UNO-R4-WiFi-with-espflash

My-LoRaWAN-device-stopped-connecting-to-Arduino-Cloud
If-your-LoRaWAN-device-cannot-connect-to-a-LoRa-gateway About-LoRa-and-LoRaWAN
Arduino-devices-with-LoRaWAN-connectivity What-antennas-can-I-use-with-my-Arduino-LoRaWAN-device
How-to-update-the-LoRa-modem-firmware

Use-Nano-ESP32-with-Arduino-Cloud Use-UNO-R4-WiFi-with-Arduino-Cloud
How-to-connect-the-MKR-GSM-1400-to-Arduino-Cloud

What-will-happen-to-my-Arduino-Cloud-subscription-after-the-12-months-trial-period
My-12-month-free-Create-plan-code-from-the-Opl-kit-is-not-working
What-is-the-difference-between-the-Opl-IoT-Kit-and-the-Explore-IoT-Kit

About-the-Intro-Webinar-for-CTO-Go How-many-teachers-and-students-can-use-the-CTC-GO-program
What-do-I-need-to-participate-in-a-webinar-for-CTC-GO

Take-an-Arduino-Certification-exam View-your-exam-results-and-certificate-for-Arduino-Certification
Language-availability-for-Arduino-Certification Connection-issues-during-the-exam
I-didnt-pass-the-exam-What-do-I-do-now Can-I-get-a-refund-for-the-exam
Can-I-purchase-the-exam-for-my-school-or-organization If-you-close-the-browser-window-during-the-exam
Can-I-return-the-Arduino-Certification-Bundle-and-get-a-refund

If-an-Arduino-Education-kit-component-is-missing-or-not-working
Find-replacement-components-for-your-Arduino-kit

Change-the-course-language Languages-supported-by-Arduino-platforms
Language-availability-for-Arduino-Certification Change-the-language-in-Arduino-IDE

Activate-the-Engineering-Kit-MATLAB-and-Simulink-license
My-MathWorks-and-Simulink-license-has-expired-how-do-I-renew-it
Using-the-included-MATLAB-and-Simulink-licenses

I-have-an-Arduino-Engineering-Kit-Rev1-can-I-update-it-to-Rev2
What-are-the-differences-between-Arduino-Engineering-Kit-Rev1-and-Rev2
Using-individually-bought-devices-with-Engineering-Kit-Rev2

About-activation-codes-for-Arduino-products If-the-kit-activation-code-does-not-work
Register-your-Arduino-product Register-your-Arduino-Starter-Kit-R4
Find-the-course-for-your-Arduino-product

Connect-a-board-to-the-Science-Journal-app Get-started-with-the-Arduino-Science-Journal
If-Arduino-Science-Journal-is-not-working If-Science-Journal-opens-to-a-blank-screen-on-an-Apple-device
Upload-the-Science-Journal-firmware

Find-the-temperature-sensor-in-your-Arduino-Starter-Kit Where-is-the-220-Ohm-resistor
How-are-the-LEDs-represented-in-the-Starter-Kit-projects-book

Restore-the-default-examples-on-your-Alvik Update-firmware-and-libraries-for-Arduino-Alvik

Burn-the-bootloader-on-GIGA-R1-WiFi
Burn-the-bootloader-on-UNO-Mega-and-classic-Nano-using-another-Arduino
Burn-the-bootloader-on-Arduino-Nano-33-IoT
How-to-burn-the-bootloader-to-Arduino-MKR1000-using-a-programmer
How-to-flash-Portenta-H7-bootloader-via-JTAG-with-Arduino-IDE
Update-the-bootloader-on-Portenta-H7-boards Update-the-bootloader-on-Nicla-Vision
Reset-the-Arduino-bootloader-on-the-Nano-ESP32

Update-Wi-Fi-firmware-on-GIGA-R1-WiFi Update-Wi-Fi-firmware-on-Portenta-H7-boards
Check-the-WiFi101-firmware-version Check-the-WiFiNINA-firmware-version

Configure-GIGA-R1-WiFi-Portenta-H7-and-Portenta-Machine-Control-for-Over-The-Air-OTA-uploads
If-you-see-an-error-when-performing-an-Over-the-Air-OTA-upload
Reset-the-flash-memory-on-STM32H747-based-devices

Error-on-GIGA-R1-WiFi-silk Error-on-MKR-CAN-Shield-silk

An-overview-of-different-UNO-boards Whats-the-difference-between-UNO-R3-and-UNO-R3-SMD
Whats-the-difference-between-UNO-R3-and-UNO-R4-boards

Flash-the-USB-to-serial-firmware-for-UNO-Rev3-and-earlier-and-Mega-boards
Set-the-Atmega16U2-8U2-chip-on-UNO-Rev3-or-earlier-and-Mega-boards-to-DFU-mode
If-Arduino-UNO-Rev3-or-earlier-or-Mega-is-not-recognized-by-the-computer

What-power-supply-can-I-use-with-my-Arduino-board
What-type-of-power-supply-should-I-use-with-my-Arduino-MKR-board
Nano-boards-that-can-be-powered-directly-with-3-3-V
Supply-USB-power-via-the-VUSB-VBUS-or-5V-pin-on-Nano-boards
Why-am-I-only-getting-2-1V-in-the-5V-pin-in-my-board My-board-PWR-Led-does-not-turn-on

Power-the-Portenta-H7 Connect-a-battery-to-Portenta-H7 Power-the-Portenta-Machine-Control
Connect-a-battery-to-Nicla-Sense-ME-or-Nicla-Vision

Power-the-Arduino-Edge-Control How-to-set-the-Edge-Control-to-bootloader-mode
Why-does-the-Edge-Control-have-two-MKR-sockets
What-is-the-purpose-of-the-CR2032-battery-mount-on-the-Edge-Control
What-is-the-purpose-of-the-CR2032-battery-mount-on-Portenta-Breakout

How-to-power-your-MKR-IoT-Carrier-with-a-battery
Power-the-Arduino-Nano-Motor-Carrier-with-a-Li-Ion-battery

My-sketch-does-not-start-when-I-power-up-or-reset-the-Arduino-board
My-sketch-does-not-start-when-powering-the-board-with-an-external-power-supply-Arduino-Diecimila-or-earlier
The-Diecimila-takes-a-long-time-to-start-the-sketch

Reset-your-board Can-I-delete-a-sketch-from-a-board Reset-the-flash-memory-on-STM32H747-based-devices
Reset-the-firmware-on-Nano-RP2040-Connect Recover-an-Arduino-Opta-with-read-only-flash-memory

Use-PWM-output-with-Arduino Is-there-a-limitation-on-the-amount-of-PWMs-to-use-in-Mbed-OS
Use-PWM-with-Portenta-X8

How-to-access-the-RGB-LED-of-MKR-1010 Control-the-RGB-LED-on-Nano-33-BLE-boards
The-RGB-LED-on-Portenta-H7-does-not-turn-on If-the-LED-on-Portenta-H7-turns-red-when-running-a-sketch
If-an-LED-on-GIGA-R1-WiFi-is-flashing-red

About-Nano-ESP32-boards-with-inverted-green-and-blue-pins About-the-B1-and-B0-pins-on-the-Nano-ESP32
Select-pin-numbering-for-Nano-ESP32-in-Arduino-IDE
Pin-name-differences-when-using-the-Nano-Screw-Terminal-Adapter-with-Nano-R4-or-Nano-ESP32

About-the-analog-pins-on-Nano-RP2040-Connect How-to-change-the-ADC-resolution
About-ADC-reference-voltage-on-Portenta-H7 About-the-AREF-pin

Classic-Nano-is-detected-as-unknown-FT232R-USB-UART-Windows Select-the-right-processor-for-Arduino-Nano
Install-or-update-FTDI-drivers FTDI-driver-installation-fails-in-IDE-1-8-Windows

Use-the-built-in-sensors-on-Nano-33-BLE-Sense
Use-the-new-sensor-libraries-for-Nano-33-BLE-Rev2-and-Nano-BLE-Sense-Rev2
Find-a-library-for-your-boards-Inertial-Measurement-Unit-IMU
How-to-reduce-power-consumption-on-the-Nano-33-BLE

How-to-change-the-Radio-Access-Technology-RAT-on-MKR-NB-1500
How-to-check-the-firmware-version-the-SARA-radio-module-u-blox-on-the-MKR-NB-1500
How-to-test-the-Sara-Module-u-blox-of-the-Arduino-MKR-NB-1500
What-Radio-technologies-are-compatible-with-the-MKR-NB-1500 What-mobile-operators-are-NB-IoT-compatible
What-type-of-SIM-does-MKR-NB-1500-use How-to-change-the-GSM-frequency-band-on-the-MKR-GSM-1400

How-can-I-renew-my-Sigfox-subscription
What-are-the-conditions-of-the-Sigfox-Subscription-that-comes-with-the-MKR-Fox-1200

Access-the-Linux-command-line-shell-on-Portenta-X8 FAQ-Arduino-Portenta-X8 Use-PWM-with-Portenta-X8

Can-I-detach-the-Portenta-H7-from-the-Portenta-Machine-Control
Use-the-library-for-Portenta-Machine-Control Power-the-Portenta-Machine-Control

Detach-and-replace-the-camera-module-on-the-Vision-Shield
What-resolutions-are-compatible-with-the-Vision-Shield-Camera
Camera-image-from-Portenta-Vision-Shield-does-not-show-up-on-OpenMV
How-to-flash-OpenMV-firmware-on-Portenta-H7

How-to-access-Portenta-s-high-density-pins What-are-the-names-of-the-Portenta-high-density-connectors
How-to-connect-components-to-the-I-O-pins-on-Portenta-H7

Is-the-antenna-included-with-Portenta-H7
What-is-the-difference-between-Portenta-H7-Lite-and-Lite-Connected

FAQ-Arduino-Opta Recover-an-Arduino-Opta-with-read-only-flash-memory
If-PLC-IDE-isnt-working-with-your-Opta-or-Portenta-Machine-Control Install-the-PLC-runtime
Identify-the-serial-ports-of-your-PLC-device Uninstall-Arduino-PLC-IDE

Calibrating-the-MKR-IoT-Carrier-capacitive-buttons Debugging-the-MKR-IoT-Carrier-capacitive-buttons

MKR-IoT-Carrier-Serial-port-message-SD-card-not-detected
Which-types-of-SD-cards-can-I-use-with-my-MKR-IoT-Carrier
My-MKR-IoT-Carrier-makes-clicking-noises-when-plugged-in

Debug-MKR-Motor-Carrier-with-Atmel-ICE-programmer How-to-update-the-MKR-Motor-Carrier-Firmware

Check-board-shield-and-carrier-compatibility Connect-boards-shields-and-carriers

How-to-access-Arduino-Y-n-Web-Portal How-to-reset-the-password-for-Arduino-Yun-Webpanel
How-to-update-OPENWRT-on-Arduino-Y-N How-to-update-the-Arduino-Y-ns-firmware
Use-Python-with-Arduino-Y-n-Rev2

Upload-a-sketch-to-a-board-running-MicroPython Upload-firmware-for-Arduino-Lab-for-Micropython

How-to-Create-a-simple-web-server-with-static-IP-and-control-builtinLED-using-WiFiNINA-library
When-I-create-an-access-point-with-WiFi-Nina-it-fails
How-to-connect-and-use-WebServer-over-the-Ethernet-Shield

Calibrate-the-internal-temperature-sensor-on-an-Arduino-device
What-is-the-operating-temperature-range-for-Arduino-boards

I2C-and-pull-up-resistors Modify-the-buffer-size-of-the-Wire-library About-Qwiic

Debug-runtime-errors-on-UNO-R4-WiFi-using-stack-trace Update-the-firmware-of-a-Modulino-node

About-automatic-updates-in-Arduino-App-Lab Manually-update-Arduino-App-Lab
If-Arduino-App-Lab-shows-an-Error-checking-for-updates-message
If-your-Arduino-UNO-Q-board-software-is-out-of-date

If-App-Lab-does-not-open-on-Linux If-your-Arduino-UNO-Q-is-not-detected-by-Arduino-App-Lab
Migrating-to-Zephyr-core-0-55-0-on-UNO-Q Code-repositories-for-Arduino-App-Lab-components

Compilation-error-Invalid-FQBN-board-X-not-found
Compilation-error-Missing-FQBN-Fully-Qualified-Board-Name
Compilation-error-Platform-not-found-platform-not-installed
Error-file-does-not-exist-no-such-file-or-directory-system-cannot-find-the-file-specified

Improve-compilation-time-with-Arduino-IDE Reduce-the-size-and-memory-usage-of-your-sketch
The-console-prints-a-message-about-sketch-size-and-memory-usage

Error-Could-not-create-the-Java-Virtual-Machine-Windows
Error-Could-not-find-the-main-class-when-launching-the-Arduino-IDE Error-Java-lang-StackOverflowError
Run-arduino-debug-exe-Windows

Open-the-Arduino-IDE-installation-folder Open-the-Arduino15-folder Open-the-Sketchbook-folder
Find-sketches-libraries-board-cores-and-other-files-on-your-computer

Change-text-and-display-size-settings-in-Arduino-IDE Use-a-custom-theme-for-Arduino-IDE-1
Menu-text-in-the-IDE-is-displaying-random-characters

Enable-autocomplete-in-IDE-2 When-I-type-some-function-or-statement-it-doesn-t-turn-orange

Can-I-program-the-Arduino-board-in-C Can-I-use-a-different-IDE-to-program-the-Arduino-board

Add-boards-to-Arduino-IDE Add-third-party-platforms-to-the-Boards-Manager-in-Arduino-IDE
Update-board-packages-in-Arduino-IDE Uninstall-boards-from-Arduino-IDE
How-to-install-and-use-a-custom-core-version-in-the-IDE

Add-libraries-to-Arduino-IDE Uninstall-libraries-from-Arduino-IDE
How-to-submit-a-third-party-library-to-the-Arduino-Library-Manager

Download-and-install-Arduino-IDE Uninstall-Arduino-IDE Supported-versions-of-Arduino-IDE
The-Arduino-IDE-does-not-launch-on-Raspian-or-other-Linux-ARM Error-bad-CPU-type-in-executable-on-macOS

Error-avrdude-when-uploading Failed-uploading-uploading-error-exit-status-1
Error-invalid-device-signature-when-trying-to-upload-a-sketch
avrdude-ser-open-cant-set-com-state-for-COMn If-your-sketch-doesnt-upload

Failed-uploading-no-upload-port-provided If-your-board-is-not-detected-by-Arduino-IDE
If-there-are-Unknown-devices-in-the-board-selector-or-ports-without-a-board-name-in-the-Tools-Port-menu
If-Arduino-IDE-detects-a-different-board-than-the-one-youve-connected
Select-board-and-port-in-Arduino-IDE
COM-port-number-changes-when-connecting-board-on-different-ports-or-in-bootloader-mode

Find-and-stop-process-blocking-a-port If-the-Arduino-IDE-freezes-or-is-unresponsive

Upload-a-sketch-in-Arduino-IDE Select-board-and-port-in-Arduino-IDE

Use-your-Engineering-Kit-board-with-MATLAB-or-Simulink Arduino-h-error-in-Matlab-or-Simulink

Change-your-location-in-the-Arduino-Store My-country-doesnt-show-up-in-the-list-during-checkout
What-is-the-currency-in-the-Arduino-online-Store Do-product-prices-include-applicable-taxes
How-to-make-a-tax-exempt-order

Accepted-payment-methods Remove-a-payment-method-from-your-Arduino-account
Is-it-safe-to-use-my-credit-card-on-the-website

Find-your-receipt-or-invoice What-is-Arduinos-billing-information
Place-an-order-at-the-Arduino-Official-Store

About-the-delivery-process Track-your-order If-you-havent-received-your-delivery
Available-shipping-methods

Contribute-to-Arduino Donations

How-to-spot-a-counterfeit-Arduino Licensing-for-products-based-on-Arduino
"""
SIBLINGS = [group.split() for group in SIBLINGS_TEXT.strip().split("\n\n")]
SIBLING_WEIGHT = 3.0


def load_manifest():
    with open(KB / "manifest.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r for r in rows if r["format"] != "confluence-attachment"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20250)
    ap.add_argument("--backups", type=int, default=3)
    args = ap.parse_args()

    articles = load_manifest()
    stems = {Path(a["article"]).stem: a["article"] for a in articles}
    in_group = set()
    for group in SIBLINGS:
        for stem in group:
            if stem not in stems:
                raise SystemExit(f"unknown sibling stem: {stem}")
            in_group.add(stems[stem])

    taken = set()
    for path in TAKEN:
        with open(path, encoding="utf-8") as f:
            for line in f:
                answer = json.loads(line)["answers"]
                if answer:
                    taken.add(answer)

    def eligible(path):
        return (
            "Arduino Security Bulletins" not in path
            and not path.startswith("Custom/Hubs/")
            and path not in taken
        )

    by_section = defaultdict(list)
    for a in sorted(articles, key=lambda a: a["article"]):
        if eligible(a["article"]):
            by_section[a["article"].split("/")[0]].append(a["article"])
    sizes = {s: len(v) for s, v in by_section.items()}
    pool = sum(sizes.values())

    # Largest-remainder apportionment of TOTAL over the sections.
    exact = {s: TOTAL * n / pool for s, n in sizes.items()}
    quota = {s: int(x) for s, x in exact.items()}
    for s in sorted(exact, key=lambda s: exact[s] - quota[s], reverse=True)[: TOTAL - sum(quota.values())]:
        quota[s] += 1

    rng = random.Random(args.seed)
    print(f"seed {args.seed}; pool {pool} eligible articles; sibling weight {SIBLING_WEIGHT}")
    for section in sorted(by_section):
        # Weighted sampling without replacement (Efraimidis-Spirakis keys u ** (1 / w)).
        keyed = []
        for path in by_section[section]:
            w = SIBLING_WEIGHT if path in in_group else 1.0
            keyed.append((rng.random() ** (1.0 / w), path))
        order = [p for _, p in sorted(keyed, reverse=True)]
        q = quota[section]
        print(f"\n## {section}: {sizes[section]} eligible, quota {q} (exact {exact[section]:.2f})")
        for path in order[:q]:
            print(("S " if path in in_group else "  ") + path)
        for path in order[q : q + args.backups]:
            print("backup " + path)
    print()
    print(Counter(p in in_group for ps in by_section.values() for p in ps))


if __name__ == "__main__":
    main()
