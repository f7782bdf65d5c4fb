#include "Examples.h"

#include <QCoreApplication>

namespace pysandbox {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pysandbox::Examples", text);
}

} // namespace

QList<Example> builtinExamples()
{
    return {
        {QStringLiteral("groupby"), tr("pandas: total sales per region"),
         QStringLiteral("import pandas as pd\n\n"
                        "sales = pd.DataFrame(inputs[\"sales\"])\n"
                        "per_region = sales.groupby(\"region\", as_index=False)[\"amount\"].sum()\n"
                        "result = per_region.sort_values(\"amount\", ascending=False)\n"),
         QStringLiteral("{\"sales\": [{\"region\": \"north\", \"amount\": 120}, {\"region\": \"south\", \"amount\": 95},\n"
                        "           {\"region\": \"north\", \"amount\": 30}, {\"region\": \"east\", \"amount\": 143}]}")},
        {QStringLiteral("chart"), tr("matplotlib: a line chart"),
         QStringLiteral("import matplotlib.pyplot as plt\n\n"
                        "fig, ax = plt.subplots(figsize=(6, 3.5))\n"
                        "ax.plot(inputs[\"month\"], inputs[\"visits\"], marker=\"o\")\n"
                        "ax.set_title(\"Visits per month\")\n"
                        "ax.grid(True, alpha=0.3)\n"),
         QStringLiteral("{\"month\": [\"Jan\", \"Feb\", \"Mar\", \"Apr\", \"May\"], \"visits\": [320, 410, 380, 505, 560]}")},
        {QStringLiteral("json"), tr("JSON: reshape records"),
         QStringLiteral("# Group people by team and keep only what the report needs.\n"
                        "teams = {}\n"
                        "for person in inputs[\"people\"]:\n"
                        "    teams.setdefault(person[\"team\"], []).append(person[\"name\"].title())\n"
                        "result = {team: sorted(names) for team, names in sorted(teams.items())}\n"),
         QStringLiteral("{\"people\": [{\"name\": \"ada\", \"team\": \"math\"}, {\"name\": \"alan\", \"team\": \"crypto\"},\n"
                        "            {\"name\": \"grace\", \"team\": \"math\"}]}")},
        {QStringLiteral("hostile"), tr("Hostile: tries to steal an SSH key and phone home"),
         QStringLiteral("# What a malicious snippet would try. The sandbox should stop every step.\n"
                        "import os, socket\n\n"
                        "attempts = {}\n"
                        "try:\n"
                        "    attempts[\"read ~/.ssh/id_rsa\"] = open(os.path.expanduser(\"~/.ssh/id_rsa\")).read()[:20]\n"
                        "except OSError as e:\n"
                        "    attempts[\"read ~/.ssh/id_rsa\"] = \"blocked: \" + type(e).__name__\n"
                        "try:\n"
                        "    socket.create_connection((\"127.0.0.1\", 22), timeout=2).close()\n"
                        "    attempts[\"connect to port 22\"] = \"connected\"\n"
                        "except OSError as e:\n"
                        "    attempts[\"connect to port 22\"] = \"blocked: \" + type(e).__name__\n"
                        "try:\n"
                        "    open(\"/etc/pysandbox-was-here\", \"w\").write(\"x\")\n"
                        "    attempts[\"write to /etc\"] = \"written\"\n"
                        "except OSError as e:\n"
                        "    attempts[\"write to /etc\"] = \"blocked: \" + type(e).__name__\n"
                        "result = attempts\n"),
         QStringLiteral("{}")},
    };
}

} // namespace pysandbox
