#pragma once

#include "execution/EngineFactory.h"
#include "native/NativeEngine.h"

namespace pysandbox {

struct EngineConfig
{
    NativeEngineConfig native;
};

// The engines this build offers, wired the same way for the app, the CLI and the tests.
EngineFactory *createDefaultEngineFactory(const EngineConfig &config, QObject *parent = nullptr);

} // namespace pysandbox
