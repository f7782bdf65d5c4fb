#pragma once

#include "execution/EngineFactory.h"
#include "microsandbox/MicrosandboxEngine.h"
#include "native/NativeEngine.h"

namespace pysandbox {

struct EngineConfig
{
    NativeEngineConfig native;
    MicrosandboxConfig microsandbox = MicrosandboxConfig::fromEnvironment();
};

// The engines this build offers, wired the same way for the app, the CLI and the tests.
EngineFactory *createDefaultEngineFactory(const EngineConfig &config, QObject *parent = nullptr);

} // namespace pysandbox
