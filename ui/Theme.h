#pragma once

#include "settings/AppSettings.h"

namespace pysandbox {

// Light or dark palettes on the Fusion style; System leaves the platform's own look (which on
// Qt 6.4 is also how a dark desktop reaches us: through its palette).
void applyTheme(AppSettings::Theme theme);
// Whether the palette in use is dark (a dark window colour), whoever chose it.
bool paletteIsDark();

} // namespace pysandbox
