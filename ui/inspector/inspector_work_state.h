#pragma once
// The inspector's worker-side state and the task runner lanes it is used in (one task per
// lane at a time: LaneMode::Serial).
#include "db/project_store.h"
#include "ui/inspector/inspector_data.h"
#include "ui/inspector/inspector_panel.h"
#include "ui/inspector/token_attention_worker.h"

#include <QString>

#include <atomic>
#include <memory>

namespace gateau::ui {

inline const QString kLoadLane = QStringLiteral("load");            // the store and the tokenizers
inline const QString kAttentionLane = QStringLiteral("attention");  // the computer (model B)

struct InspectorPanel::WorkState {
    TokenizerCache tokenizers;
    std::unique_ptr<db::ProjectStore> store;
    TokenAttentionComputer computer;
    std::atomic<int> engineLoads{0}, forwardPasses{0};  // read by tests on the GUI thread
};

}  // namespace gateau::ui
