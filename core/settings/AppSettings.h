#pragma once

#include "DefaultEngines.h"
#include "execution/EngineFactory.h"
#include "execution/ExecutionOptions.h"

#include <QSettings>
#include <QStringList>

namespace pysandbox {

// Every setting the app keeps, typed, with its default, in one place. Read from and written to
// QSettings (keys below); a stored value of the wrong type or out of range is ignored (the
// default stands) and named in `problems`, never half-applied.
struct AppSettings
{
    enum class Theme { System, Light, Dark };

    // Engines
    EngineChoice engine = EngineChoice::Auto;          // engine/choice: auto|native|microsandbox
    QString interpreter;                               // native/interpreter: empty = python3 on PATH
    bool requireIsolation = true;                      // native/requireIsolation
    bool warmStarts = true;                            // native/warmStarts
    QStringList preload = NativeEngineConfig::defaultPreload(); // native/preload
    ExecutionOptions defaultLimits;                    // limits/<envelope limit name>, e.g. limits/memory_mb
    // microsandbox/…: server, namespace, profile, image, memoryMib, cpus, freshVm, serverKeyFile, msb, keepWarm
    QString msbServer = QStringLiteral("http://127.0.0.1:5555");
    QString msbNamespace = QStringLiteral("default");
    QString msbProfile = QStringLiteral("default");
    QString msbImage = QStringLiteral("microsandbox/python");
    int msbMemoryMib = 1024;
    int msbCpus = 1;
    bool msbFreshVm = false;
    QString msbServerKeyFile;                          // set: PySandbox may mint API keys from it
    QString msbProgram;
    bool msbKeepWarm = false;
    // Appearance
    Theme theme = Theme::System;                       // ui/theme: system|light|dark
    QString editorFont;                                // ui/editorFont: empty = the system's fixed font
    int editorFontSize = 0;                            // ui/editorFontSize: 0 = the font's own size

    QStringList problems;                              // what load() refused, for the settings dialog

    static AppSettings load(const QSettings &settings);
    void save(QSettings &settings) const;
    // The engines' configuration these settings describe; MSB_SERVER_URL/MSB_API_KEY still
    // fill what the settings leave open (the API key is never stored here).
    EngineConfig engineConfig() const;
};

QString themeName(AppSettings::Theme theme);

} // namespace pysandbox
