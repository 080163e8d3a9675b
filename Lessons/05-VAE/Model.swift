import Foundation
import GenLab

/// The three models the lesson trains, in this order.
enum Phase: String, CaseIterable {
  case autoencoder, vae, map

  /// Each phase draws its noise from its own random stream.
  var stream: UInt64 {
    switch self {
    case .autoencoder: return 10
    case .vae: return 11
    case .map: return 12
    }
  }

  var title: String {
    switch self {
    case .autoencoder: return "autoencoder"
    case .vae: return "VAE"
    case .map: return "2-D VAE"
    }
  }
}

// The autoencoder and the VAE themselves — layers, the training step, the negative ELBO,
// the importance-weighted bound — live in Sources/Models/VAE.swift
// (`VariationalAutoencoder`), so the capstone (lesson 11) can train them too. Read it
// beside this lesson.
